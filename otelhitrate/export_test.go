package otelhitrate

// Series returns the number of series whose StartTime p keeps.
func Series(p *Producer) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.starts)
}
